"""Spins for a moment, then its last act is a sleep of SECONDS (default 1) in final_sleep:
a blocked stretch whose record reaches tailtrace as the process exits."""
import sys
import time


def spin(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def final_sleep(seconds):
    time.sleep(seconds)


spin(0.3)
final_sleep(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
