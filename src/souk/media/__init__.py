"""The media plane: Janus config, supervision, client, VideoRoom wrapper and the MediaPlane facade.

What other areas use:

- :mod:`souk.media.plane` - ``MediaPlane.start(settings)`` / ``MediaPlane.attach(settings, nodes)``,
  ``ensure_room``, ``destroy_room``, ``join_publisher`` -> :class:`~souk.media.videoroom.Publisher`
  (``publish(offer) -> answer``, ``trickle``, ``set_media``, ``unpublish``, ``events()``, ``aclose()``),
  ``subscribe(room, feeds)`` -> :class:`~souk.media.videoroom.Subscriber` (``offer``, ``start(answer)``,
  ``update``, ``events()``, ``aclose()``), ``health()``, ``admin()``.
- :mod:`souk.media.types` / :mod:`souk.media.events` - the values and typed events it hands out.
- :mod:`souk.media.errors` - Janus errors as SoukError kinds (``janus_code`` kept).
- :mod:`souk.media.doctor` - ``media_checks(settings)``, ``check_netns()``, ``port_free()``.
- :mod:`souk.media.netns` - ``python -m souk.media.netns run -- CMD`` and ``reexec_in_netns()``.

Lower layers: :mod:`~souk.media.config` (pure config writer), :mod:`~souk.media.supervisor` (embedded Janus),
:mod:`~souk.media.messages` (pure wire types), :mod:`~souk.media.transport`, :mod:`~souk.media.client`,
:mod:`~souk.media.admin`, :mod:`~souk.media.nodes`. Nothing here runs at import time.
"""
