class Router:
    """A database router, only installed when DP_ROUTER is set."""

    def allow_migrate(self, db, app_label, **hints):
        return None
