"""Tests of the pension package."""
