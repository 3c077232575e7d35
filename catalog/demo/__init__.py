"""The demo catalog: the real 2021 catalog of data.gxzf.gov.cn, a few real data packages,
and a few clearly labelled sample conditionally-open datasets. Loaded by ``gxdata load-demo``."""
