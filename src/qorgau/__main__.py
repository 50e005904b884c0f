from qorgau.cli import main

main()
