import os
import threading

from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "catalogue"

    def ready(self):
        # DP_FAULTS_HANG_BOOT=1: a worker process never finishes booting (an
        # app that waits for a service only its workers reach). The parent
        # process, which imports the same app, is left alone.
        if os.environ.get("DP_FAULTS_HANG_BOOT"):
            import multiprocessing

            if multiprocessing.parent_process() is not None:
                threading.Event().wait()
