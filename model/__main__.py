from jrsim.cli import main

main()
