"""Set-up for every pytest run, whatever is collected (tests/, notebooks/, one notebook alone).

The notebooks are validated against their committed outputs (strict nbval), so they must not depend
on what happens to run on the machine: the kernels nbval starts inherit COURSE_LIB_OFFLINE=1 and skip
probing for servers and GPUs. The live paths are tested against a real llama.cpp server in
tests/test_live*.py. This file sits at the root so that `pytest notebooks/04_private_deployment.ipynb`
alone gets the same environment as the whole suite.
"""
import os

os.environ.setdefault("COURSE_LIB_OFFLINE", "1")
os.environ.pop("MPLBACKEND", None)  # notebook kernels need the inline backend
