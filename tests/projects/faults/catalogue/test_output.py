"""Huge output and bytes that are not UTF-8, through print, sys.stdout's
buffer and the file descriptors. Each marker must reach the run's output."""

import os
import subprocess
import sys

from django.test import SimpleTestCase

TEN_MB_OF_LINES = ("x" * 99 + "\n") * (100 * 1024)


class OutputFault(SimpleTestCase):
    def test_huge_print(self):
        print(TEN_MB_OF_LINES, end="")
        print("HUGE-PRINT-END", flush=True)

    def test_huge_file_descriptors(self):
        data = TEN_MB_OF_LINES.encode()
        for fd, marker in ((1, b"HUGE-FD1-END\n"), (2, b"HUGE-FD2-END\n")):
            view = memoryview(data + marker)
            while view:
                view = view[os.write(fd, view) :]

    def test_not_utf8(self):
        os.write(1, b"FD1-MARK \xff\xfe\n")
        os.write(2, b"FD2-MARK \xc3\x28\n")
        print("PRINT-MARK \u00e9\u20ac", flush=True)

    def test_stdout_buffer(self):
        # What a library that writes bytes does; a real stdout has a buffer.
        sys.stdout.buffer.write(b"BUFFER-MARK \xff\n")
        sys.stdout.flush()

    def test_stream_attributes(self):
        # What libraries read from sys.stdout and sys.stderr before writing.
        for stream in (sys.stdout, sys.stderr):
            self.assertTrue(stream.encoding)
            self.assertTrue(stream.errors)
            self.assertIsInstance(stream.fileno(), int)

    def test_subprocess_output(self):
        # A child process inherits file descriptors 1 and 2.
        code = "import sys; print('CHILD-OUT-MARK'); print('CHILD-ERR-MARK', file=sys.stderr)"
        subprocess.run([sys.executable, "-c", code], check=True)
