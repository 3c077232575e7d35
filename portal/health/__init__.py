"""Health probes for load balancers and orchestrators: ``/healthz`` and ``/readyz``."""
