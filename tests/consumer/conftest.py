"""The consumer project is a user's app with its own tests; it runs in its own venv, not here."""

collect_ignore = ["project"]
