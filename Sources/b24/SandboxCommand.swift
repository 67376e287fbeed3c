import ArgumentParser
import B24Client
import B24Sandbox
import Foundation

/// `b24 sandbox`: a Bitrix24 portal on loopback, for trying b24 without an account and for drills.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run the sandbox portal (prints its webhooks and OAuth app first, then serves until stopped).")

    @Option(name: .long, help: "Port (0 picks a free one).")
    var port = 0

    @Option(name: .long, help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "SQLite file for persistent state (default: in memory).")
    var data: String?

    @Option(name: .long, help: "Tariff: standard (50/2 bucket), enterprise (250/5) or unlimited.")
    var plan = "standard"

    @Option(name: .long, help: "Leaky bucket BURST/PER_SECOND, or 'off'.")
    var bucket: String?

    @Option(name: .long, help: "Operating-time budget per method in seconds per 10 minutes, or 'off'.")
    var operatingLimit: String?

    @Option(name: .long, help: "Charge list queries operating time as the portal does, times this (1 = the documented cost: 0.097 s a cursor page, ~21 µs per counted or skipped row); 0 = real time only.")
    var operatingScale: Double = 0

    @Option(name: .long, help: "Operating-time window in seconds (the portal's is 600).")
    var operatingWindow: Double = 600

    @Option(name: .long, help: "Number of demo leads.")
    var leads = 200

    @Option(name: .long, help: "Simulated CRM changes per second.")
    var activity: Double = 0

    @Option(name: .long, help: "Random faults, e.g. \"503:0.1,500:0.02,slow:0.05@2s,html:0.01,drop:0.01,truncate:0.01\".")
    var faults: String?

    @Option(name: .long, help: "Seed for demo data and codes.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Access-token lifetime in seconds.")
    var tokenLifetime: Double = 3600

    func run() async throws {
        await guarded {
            let options = try sandboxOptions()
            try await runSandboxServer(options) { line in
                print(line)
                fflush(stdout)
            }
        }
    }

    func sandboxOptions() throws -> SandboxOptions {
        var options = SandboxOptions()
        guard (0...65535).contains(port) else { throw B24Error.usage("--port must be 0–65535") }
        options.port = port
        options.host = host
        options.dataPath = data
        guard let tariff = SandboxOptions.Plan(rawValue: plan.lowercased()) else {
            throw B24Error.usage("--plan must be standard, enterprise or unlimited")
        }
        options.plan = tariff
        if let bucket {
            if bucket.lowercased() == "off" {
                options.bucketSetting = .off
            } else {
                let settings = try LimiterSettings.parseBucket(bucket)
                options.bucketSetting = .custom(burst: Int(settings.burst), perSecond: settings.perSecond)
            }
        }
        if let operatingLimit {
            if operatingLimit.lowercased() == "off" {
                options.operatingLimitSeconds = nil
            } else {
                guard let seconds = Double(operatingLimit), seconds > 0 else {
                    throw B24Error.usage("--operating-limit must be a positive number of seconds or 'off'")
                }
                options.operatingLimitSeconds = seconds
            }
        }
        guard operatingScale >= 0, operatingScale.isFinite else { throw B24Error.usage("--operating-scale must be 0 or more") }
        options.operatingScale = operatingScale
        guard operatingWindow > 0, operatingWindow.isFinite else { throw B24Error.usage("--operating-window must be positive") }
        options.operatingWindowSeconds = operatingWindow
        guard leads >= 0 else { throw B24Error.usage("--leads must be 0 or more") }
        options.leads = leads
        guard activity >= 0 else { throw B24Error.usage("--activity must be 0 or more") }
        options.activityPerSecond = activity
        if let faults {
            do { options.faults = try FaultSpec(parsing: faults) } catch { throw B24Error.usage("--faults: \(error)") }
        }
        options.seed = seed
        guard tokenLifetime > 0 else { throw B24Error.usage("--token-lifetime must be positive") }
        options.accessTokenLifetime = tokenLifetime
        return options
    }
}
