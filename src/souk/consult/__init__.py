"""1v1 video consultation: a shopper calls the seller from a product page.

``ConsultService`` owns the call state machine (ringing -> accepted -> ended, or declined / missed /
cancelled), the ring timer and the call-length cap (on an injectable Clock), and writes call records.
It knows nothing of HTTP or WebSockets: listeners (the signaling hub) are told about every change.
"""

from souk.consult.models import Call, CallOutcome, CallState
from souk.consult.service import ConsultService

__all__ = ["Call", "CallOutcome", "CallState", "ConsultService"]
