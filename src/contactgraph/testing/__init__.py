"""Test support shipped with contactgraph: hypothesis strategies and shared suites.

Applications and third-party backends import these to prove their code with
the same data and the same contracts the project uses on itself.
"""
