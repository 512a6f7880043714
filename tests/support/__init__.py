"""Test helpers: throwaway databases, a loop to run coroutines on, fake servers."""
