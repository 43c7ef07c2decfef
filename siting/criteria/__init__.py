"""Criteria: profiles, value functions, weights and the texts that explain them."""
