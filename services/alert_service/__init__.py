"""alert_service: Warning rules, the warning lifecycle, live feed and signed outbound notifications."""
