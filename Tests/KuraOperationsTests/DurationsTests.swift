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

@Suite struct RPOStateTests {
    @Test func dueWithinTheMarginBreachedPastTheRPO() {
        let hour: TimeInterval = 3600
        #expect(RPOState.safetyMargin(for: hour) == 360)
        #expect(RPOState.of(age: 10, rpo: hour) == .ok)
        #expect(RPOState.of(age: hour - 361, rpo: hour) == .ok)
        #expect(RPOState.of(age: hour - 360, rpo: hour) == .due)
        #expect(RPOState.of(age: hour, rpo: hour) == .due)
        #expect(RPOState.of(age: hour + 1, rpo: hour) == .breached)
        #expect(RPOState.of(age: nil, rpo: hour) == .breached)
        #expect(RPOState.of(age: 1e9, rpo: nil) == .ok)
    }

    @Test func marginStaysBetweenFiveMinutesAndHalfTheRPO() {
        #expect(RPOState.safetyMargin(for: 600) == 300)
        #expect(RPOState.safetyMargin(for: 120) == 60)
        #expect(RPOState.safetyMargin(for: 86_400) == 8640)
    }
}
