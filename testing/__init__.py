"""What the tests and the benchmarks share: loopback fakes of the Graph API and of an
OpenAI-compatible LLM, throwaway databases, and real server processes (ports, waits, gunicorn).

Development tooling only: no production module imports it (tests/test_layers.py checks).
"""
