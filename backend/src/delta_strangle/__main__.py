from delta_strangle.cli import main

main()
