from prem.cli import main

main(prog_name="prem")
