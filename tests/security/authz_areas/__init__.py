"""Authorization-matrix entries of issue 10's areas, one module per area (see test_authz_matrix)."""
