from ossref.cli import console

console()
