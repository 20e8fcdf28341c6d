import ControlProtocol
import Payments
import QFPay

// The till's enums (ControlProtocol, shared with qfposctl) from the pipeline's and back. Each
// switch is exhaustive, so that a state or wallet added on one side fails to compile until the
// contract says what the till sees.

extension SaleInfo.State {
    init(_ status: SaleStatus) {
        switch status {
        case .awaitingScan: self = .awaitingScan
        case .submitting: self = .submitting
        case .pending: self = .pending
        case .paid: self = .paid
        case .failed: self = .failed
        case .cancelling: self = .cancelling
        case .cancelled: self = .cancelled
        case .refunding: self = .refunding
        case .partiallyRefunded: self = .partiallyRefunded
        case .refunded: self = .refunded
        case .expired: self = .expired
        case .needsAttention: self = .needsAttention
        }
    }
}

extension SaleInfo.Mode {
    init(_ flow: SaleFlow) {
        switch flow {
        case .barcode: self = .scan
        case .dynamicQR: self = .qr
        }
    }
}

extension SaleInfo.Wallet {
    init(_ wallet: Wallet) {
        switch wallet {
        case .wechat: self = .wechat
        case .alipay: self = .alipay
        }
    }
}

extension Wallet {
    init(_ wallet: SaleInfo.Wallet) {
        switch wallet {
        case .wechat: self = .wechat
        case .alipay: self = .alipay
        }
    }
}
