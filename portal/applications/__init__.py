"""The applicant's side of conditional data: applying, following an application, downloading
under a grant through signed links, and usage reports."""
