"""Process orchestration, configuration and the ``assistant`` command line."""
