"""Output written to file descriptors 1 and 2 directly, as C extensions and
subprocesses write it: not UTF-8, and more than a megabyte without a line
end."""

import os
import subprocess
import sys

from django.test import SimpleTestCase


class DescriptorOutput(SimpleTestCase):
    def test_writes_to_the_descriptors(self):
        os.write(1, b"FD-STDOUT\n")
        os.write(2, b"FD-STDERR \xff\xfe not utf-8\n")
        subprocess.run(
            [sys.executable, "-c", "import sys; sys.stderr.write('CHILD-STDERR\\n')"],
            check=True,
        )
        # Text that no stream can encode, as os.listdir() gives for a file
        # name that is not UTF-8.
        print("SURROGATE \udcff")
        # Code that writes bytes, or hands sys.stdout to a subprocess.
        sys.stdout.buffer.write(b"BUFFER-STDOUT\n")
        sys.stdout.flush()
        subprocess.run(
            [sys.executable, "-c", "print('CHILD-STDOUT')"],
            stdout=sys.stdout,
            check=True,
        )

    def test_writes_a_lot(self):
        os.write(2, b"x" * (3 << 20) + b"\nHUGE-END\n")
