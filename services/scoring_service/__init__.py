"""scoring_service: Scorecards, KPI scores, rankings, commissions, bonus pools, appraisals, appeals, replay."""
