import sys

from bench.runner import main

main(sys.argv)
