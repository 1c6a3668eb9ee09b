"""The staff console: a web admin for claim officers, knowledge editors and admins (``create_app``)."""
