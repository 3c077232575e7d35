"""Machine APIs of the portal: the CKAN-compatible action API (:mod:`portal.api.ckan`)."""
