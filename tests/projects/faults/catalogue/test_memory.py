"""A test that eats memory until it runs out. The address space is capped
(RLIMIT_AS) a little above what the process uses, so the machine is never
at risk: the allocation fails with MemoryError, and the cap is lifted again."""

import resource

from django.test import SimpleTestCase

HEADROOM = 256 * 2**20
CHUNK = 32 * 2**20


def address_space() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


class MemoryFault(SimpleTestCase):
    def test_1_before(self):
        pass

    def test_2_runs_out_of_memory(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = address_space() + HEADROOM
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        hog = []
        try:
            while True:
                hog.append(bytearray(CHUNK))
        finally:
            hog.clear()
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))

    def test_3_after(self):
        self.assertEqual(len(bytearray(CHUNK)), CHUNK)
