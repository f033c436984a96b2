"""Each test announces itself as "RUN <test id>" so the suite can read back
which tests ran, under which names, in which order."""


class RecordRun:
    def setUp(self):
        super().setUp()
        print(f"RUN {self.id()}")
