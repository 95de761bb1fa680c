"""A synthetic county: partner-agency drops with ground truth, for tests, demos and benchmarks.

The public API is `generate(SynthConfig(...))`; everything else is internal.
"""

from wholefamily.synth.generate import (
    FORMAT_CHOICES,
    SynthConfig,
    SynthError,
    SynthSummary,
    generate,
)
from wholefamily.synth.noise import KINDS as NOISE_KINDS
from wholefamily.synth.noise import NoiseConfigError

__all__ = [
    "FORMAT_CHOICES",
    "NOISE_KINDS",
    "NoiseConfigError",
    "SynthConfig",
    "SynthError",
    "SynthSummary",
    "generate",
]
