from okno.cli import main

main()
