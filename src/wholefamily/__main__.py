from wholefamily.cli import main

main()
