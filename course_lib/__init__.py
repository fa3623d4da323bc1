"""course_lib: the tested library behind the course *LLM cost and deployment for web developers*.

A bill is unit price × tokens metered × workflow amplification. Each module is
one concern and names the notebook that teaches it:

prices, money   the dated price book and currencies           (01_token_billing)
usage, billing  usage records from any provider, and costs    (01_token_billing)
meter           cost per task / feature / model, alerts       (01, 03)
env             what this machine can run live                (00_start_here)
exercises       checked exercises with feedback               (every lesson)
"""
__version__ = "0.1.0"
