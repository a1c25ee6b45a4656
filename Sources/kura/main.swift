import KuraCLI

await KuraMain.run()
