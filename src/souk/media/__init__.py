"""The media plane: Janus config, supervision, client, VideoRoom wrapper and the MediaPlane facade.

Other areas use :mod:`souk.media.plane` (the facade), :mod:`souk.media.types`/:mod:`souk.media.events`
(what it returns) and :mod:`souk.media.doctor`. Nothing here runs at import time.
"""
