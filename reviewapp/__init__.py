"""reviewapp: editorial review system for medical content."""


def create_app(test_config=None):
    """Build the Flask application (see reviewapp.app); imported lazily so that
    pure modules of the package load without Flask."""
    from reviewapp.app import create_app as _create_app

    return _create_app(test_config)
