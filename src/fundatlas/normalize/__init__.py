"""Normalization: page words and numbers to canonical values."""
