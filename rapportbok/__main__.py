from rapportbok.cli import main

main()
