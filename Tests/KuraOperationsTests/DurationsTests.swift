import Foundation
import KuraOperations
import Testing

@Suite struct DurationsTests {
    @Test func parsesEachUnitAndCombinations() {
        #expect(Durations.parse("90s") == 90)
        #expect(Durations.parse("15m") == 900)
        #expect(Durations.parse("4h") == 14_400)
        #expect(Durations.parse("7d") == 604_800)
        #expect(Durations.parse("2w") == 1_209_600)
        #expect(Durations.parse("1h30m") == 5400)
    }

    @Test func refusesWhatIsNotADuration() {
        for text in ["", "h", "10", "1.5h", "-1h", "0s", "1y", "1h 30", "10 m", "１h"] {
            #expect(Durations.parse(text) == nil, "\(text)")
        }
    }

    @Test func formatsLargestUnitsFirst() {
        #expect(Durations.format(5400) == "1h30m")
        #expect(Durations.format(604_800 + 3600) == "7d1h")
        #expect(Durations.format(1_209_600) == "2w")
        #expect(Durations.format(30 * 86_400) == "30d")
        #expect(Durations.format(0) == "0s")
        #expect(Durations.format(Durations.parse("3d4h5m6s")!) == "3d4h5m6s")
    }
}
