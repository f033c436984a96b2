"""A subclass of the sample project's custom runner that also overrides log()."""

from sample_project.runners import CustomRunner


class LoggingCustomRunner(CustomRunner):
    def log(self, msg, level=None):
        print(f"custom log [{level}]: {msg}")
