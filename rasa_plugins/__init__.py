"""Code that runs inside the Rasa server (Python 3.10, .venv-rasa), not the app venv."""
