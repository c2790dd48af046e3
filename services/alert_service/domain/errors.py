"""What alert_service refuses, in its own words. Each is one of shared.platform.errors' kinds, so
shared.platform.problems turns it into a problem (404, 409) in one place, without knowing alert_service."""

from __future__ import annotations

from shared.platform.errors import Conflict, NotFound


class WarningNotFound(NotFound):
    """No such warning, or none the caller may see: both answer alike, so scope leaks nothing."""


class WarningMoveRefused(Conflict):
    """A person asked a warning to move where its state does not lead."""


class WarningNotAcknowledged(WarningMoveRefused):
    """An open warning is acknowledged before an action is planned or it is resolved."""


class WarningAlreadyAcknowledged(WarningMoveRefused):
    """A warning is acknowledged once."""


class WarningAlreadyResolved(WarningMoveRefused):
    """A resolved or auto-resolved warning is over; a condition that still holds raises a new one."""


class WarningRuleNotFound(NotFound):
    pass


class SubscriptionNotFound(NotFound):
    pass


class SubscriptionExists(Conflict):
    """A subscription is never changed in place: it is disabled and a new one registered."""


class DeliveryNotFound(NotFound):
    pass


class DeliveryStillPending(Conflict):
    """A pending delivery is retried by itself; only a delivered or dead one is sent again by hand."""
