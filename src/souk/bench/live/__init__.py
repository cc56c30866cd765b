"""`souk bench live`: the live-show media benchmark (:mod:`souk.bench.live.live`, workers in
:mod:`souk.bench.live.worker`)."""
