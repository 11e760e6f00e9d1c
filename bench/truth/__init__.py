"""Truth-discovery benchmarks: Flight (Li et al., VLDB 2012) and Population (Pasternack & Roth).

The data stays outside the repository (no licence covers redistribution); every entry point takes its
folder as an argument. The loaders turn the raw files into ``service.domain.truth.Claim`` objects and
the scorers compare ``discover``/``majority_vote`` results with the gold values, so the benchmark
drives the very functions the service uses.
"""
