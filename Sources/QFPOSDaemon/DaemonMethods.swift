import ControlProtocol
import Foundation

/// Registers every control method on a router, over the daemon's state and its two seams.
/// Validation of params lives here; what a method does lives in the libraries behind the seams.
enum DaemonMethods {
    static func router(daemon: Daemon, sales: (any SalesPort)?, devices: (any DevicesPort)?) -> RequestRouter {
        var router = RequestRouter()
        router.register(MethodName.daemonStatus, access: .readOnly) { params, _ in
            _ = try ParamsReader(params, allowed: [])
            return try await daemon.status()
        }
        router.register(MethodName.eventsSubscribe, access: .readOnly) { params, context in
            let reader = try ParamsReader(params, allowed: ["events"])
            let names = try reader.optionalStrings("events") ?? EventName.all
            if let unknown = names.first(where: { !EventName.all.contains($0) }) {
                throw RPCError.invalidParams(
                    "no event named \(unknown.debugDescription)", reason: .outOfRange, field: "events")
            }
            context.subscribe(Set(names))
            return ["subscribed": .array(names.sorted().map(JSONValue.string))]
        }
        router.register(MethodName.eventsUnsubscribe, access: .readOnly) { params, context in
            _ = try ParamsReader(params, allowed: [])
            context.subscribe([])
            return ["subscribed": []]
        }
        router.register(MethodName.devicesList, access: .readOnly) { params, _ in
            _ = try ParamsReader(params, allowed: [])
            guard let devices else { return ["devices": []] }
            return ["devices": await devices.deviceList()]
        }
        router.register(MethodName.saleStart) { params, context in
            let reader = try ParamsReader(
                params,
                allowed: ["amount", "currency", "goods_name", "mode", "wallet", "auth_code", "order_id", "lane"])
            let request = SaleStartRequest(
                amount: try reader.integer("amount", in: 1...99_999_999),
                currency: try reader.optionalChoice("currency", ["JPY"]) ?? "JPY",
                goodsName: try reader.optionalString("goods_name", maximumLength: 256),
                mode: try reader.optionalChoice("mode", SaleInfo.Mode.self) ?? .scan,
                wallet: try reader.optionalChoice("wallet", SaleInfo.Wallet.self),
                authCode: try reader.optionalString("auth_code", maximumLength: 32),
                orderID: try reader.optionalString("order_id", maximumLength: 64),
                lane: try reader.optionalString("lane", maximumLength: 64))
            if request.mode == .qr, request.authCode != nil {
                throw RPCError.invalidParams("auth_code is only for mode scan", reason: .badParams, field: "auth_code")
            }
            try daemon.requireAcceptingSales()
            let sale = try await requireSales(sales).startSale(request)
            context.logger.info(
                "sale started", metadata: ["sale.id": "\(sale.saleID)", "sale.amount": "\(sale.amount)"])
            return try JSONValue(encoding: sale)
        }
        router.register(MethodName.saleGet, access: .readOnly) { params, _ in
            let reader = try ParamsReader(params, allowed: ["sale_id"])
            let id = try reader.string("sale_id", maximumLength: 64)
            guard let sale = try await requireSales(sales).sale(id: id) else { throw notFound(id) }
            return try JSONValue(encoding: sale)
        }
        router.register(MethodName.saleList, access: .readOnly) { params, _ in
            let reader = try ParamsReader(params, allowed: ["limit"])
            let limit = try reader.optionalInteger("limit", in: 1...1000) ?? 50
            let list = try await requireSales(sales).sales(limit: Int(limit))
            return ["sales": .array(try list.map { try JSONValue(encoding: $0) })]
        }
        router.register(MethodName.saleCancel) { params, _ in
            let reader = try ParamsReader(params, allowed: ["sale_id"])
            return try JSONValue(encoding: try await requireSales(sales).cancelSale(id: reader.string("sale_id")))
        }
        router.register(MethodName.saleRefund) { params, _ in
            let reader = try ParamsReader(params, allowed: ["sale_id", "amount"])
            let id = try reader.string("sale_id")
            let amount = try reader.integer("amount", in: 1...99_999_999)
            try daemon.requireAcceptingSales()
            return try JSONValue(encoding: try await requireSales(sales).refundSale(id: id, amount: amount))
        }
        router.register(MethodName.receiptReprint) { params, _ in
            let reader = try ParamsReader(params, allowed: ["sale_id"])
            let id = try reader.string("sale_id")
            try await requireSales(sales).reprintReceipt(saleID: id)
            return ["printed": true, "sale_id": .string(id)]
        }
        router.register(MethodName.reconcileRun) { params, _ in
            let reader = try ParamsReader(params, allowed: ["date"])
            let date = try reader.string("date", maximumLength: 10)
            guard date.wholeMatch(of: /\d{4}-\d{2}-\d{2}/) != nil else {
                throw RPCError.invalidParams("date must be YYYY-MM-DD", reason: .wrongType, field: "date")
            }
            // Off the connection's event loop: parsing a day's bill takes a while.
            return try await withTaskExecutorPreference(globalConcurrentExecutor) {
                try await requireSales(sales).reconcile(date: date)
            }
        }
        router.register(MethodName.scanSimulate) { params, context in
            let reader = try ParamsReader(params, allowed: ["lane", "code"])
            let lane = try reader.string("lane", maximumLength: 64)
            let code = try reader.string("code", maximumLength: 128)
            guard context.peer.map({ $0.uid == 0 || $0.uid == getuid() }) ?? false else {
                throw RPCError(
                    code: RPCError.Code.forbidden, reason: .notAllowed,
                    message: "scan.simulate is for root or the daemon's user")
            }
            let sale = try await requireSales(sales).provideScan(lane: lane, code: code)
            return ["sale": try sale.map { try JSONValue(encoding: $0) } ?? .null]
        }
        return router
    }

    private static func requireSales(_ sales: (any SalesPort)?) throws(RPCError) -> any SalesPort {
        guard let sales else {
            throw RPCError(
                code: RPCError.Code.unavailable, reason: .notReady, message: "the payment pipeline is not running")
        }
        return sales
    }

    private static func notFound(_ id: String) -> RPCError {
        RPCError(
            code: RPCError.Code.notFound, reason: .saleNotFound, message: "no sale \(id.debugDescription)",
            details: ["sale_id": .string(id)])
    }
}
