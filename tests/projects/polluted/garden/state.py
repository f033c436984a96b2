"""Process-wide state one test changes and never puts back."""

WATERING = {"litres": 1}
