#!/usr/bin/env python3
# encoding=utf8
"""A Python 3, standard-library-only port of the QFPay specification's sample client.

The specification's script targets Python 2 (urllib2, qrcode, PIL). This port keeps its request
shapes and its signing (parameters sorted by name, raw UTF-8 `k=v` joined with `&`, the key
appended, MD5 upper-case) and adds what a test needs: a base URL, credentials and an optional
SHA-256 sign type on the command line, response signature verification, and one JSON line of
output per call:

    {"http_status": 200, "sign_ok": true, "request": {...}, "body": {...}}

For --reconcile the body is the zip's entries (name, CRC check, compression method and text,
decoded from UTF-8 with or without a byte order mark) or the JSON error.
Its exit status is 0 when the answer's respcd is 0000 (or a bill zip arrived), 1 otherwise.
"""
import argparse
import hashlib
import io
import json
import random
import sys
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from datetime import datetime

parser = argparse.ArgumentParser(description="Simulate Payment Process for QFPay")
parser.add_argument('--base-url', default='https://openapi-test.qfpay.com', help='Gateway base URL')
parser.add_argument('--app-code', required=True)
parser.add_argument('--key', required=True)
parser.add_argument('--mchid', default=None)
parser.add_argument('--sign-type', default='MD5', choices=['MD5', 'SHA256'])
parser.add_argument('--txamt', default=1, help='Payment Amount')
parser.add_argument('--type', default='wechat', help='Payment Type')
parser.add_argument('--cur', default='JPY', help='Payment Currency')
parser.add_argument('--authcode', help='Auth Code')
parser.add_argument('--goods-name', default='test')
parser.add_argument('--syssn', help='Syssn Code')
parser.add_argument('--tradeno', help='Out Trade No')
parser.add_argument('--query', action='store_true', help='Perform Query')
parser.add_argument('--refund', action='store_true', help='Perform Refund')
parser.add_argument('--txdtm', help='Transaction Time')
parser.add_argument('--starttime', default=None)
parser.add_argument('--endtime', default=None)
parser.add_argument('--page', default=1)
parser.add_argument('--page-size', default=10)
parser.add_argument('--close', action='store_true')
parser.add_argument('--reconcile', action='store_true')
parser.add_argument('--tradedate', default=None)


def make_req_sign(data, key, sign_type='MD5'):
    keys = sorted(data.keys())
    p = []
    for k in keys:
        p.append('%s=%s' % (k, data[k]))
    unsign_str = ('&'.join(p) + key).encode('utf-8')
    digest = hashlib.sha256 if sign_type == 'SHA256' else hashlib.md5
    return digest(unsign_str).hexdigest().upper()


def make_resp_sign(data, key):
    return hashlib.md5(data + key.encode('utf-8')).hexdigest().upper()


def main():
    pay_type = {
        'wechat': '800201',  # dynamic QR code generation
        'alipay': '800101',
        'wechat_app': '800208',  # scan from user's app
        'alipay_app': '800108',  # scan from user's app
        'general': '800008',
    }
    d = datetime.now()
    args = parser.parse_args()
    base = args.base_url.rstrip('/')
    txamt = args.txamt
    pay_type = pay_type[args.type]
    out_trade_no = args.tradeno or random.randint(10**11, 10**12)
    txdtm = args.txdtm or d.strftime("%Y-%m-%d %H:%M:%S")
    mchid = args.mchid
    is_get = False

    url = base + '/trade/v1/payment'
    data = {'txamt': txamt, 'txcurrcd': args.cur, 'pay_type': pay_type, 'out_trade_no': out_trade_no,
            'txdtm': txdtm, 'goods_name': args.goods_name, 'limit_pay': 'no_credit', 'udid': 'qfpos-sample'}
    if mchid:
        data['mchid'] = mchid
    if args.type in ['wechat_app', 'alipay_app', 'general']:
        data['auth_code'] = args.authcode
    if args.query:
        url = base + '/trade/v1/query'
        data = {'mchid': mchid, 'page_size': args.page_size, 'page': args.page}
        if args.syssn:
            data['syssn'] = args.syssn
        elif args.tradeno:
            data['out_trade_no'] = args.tradeno
        else:
            data['pay_type'] = pay_type
        if args.starttime:
            data['start_time'] = args.starttime
        if args.endtime:
            data['end_time'] = args.endtime
    elif args.refund:
        url = base + '/trade/v1/refund'
        data = {'syssn': args.syssn, 'out_trade_no': out_trade_no, 'mchid': mchid, 'txamt': txamt, 'txdtm': txdtm}
    elif args.close:
        url = base + '/trade/v1/close'
        data = {'txamt': txamt, 'txdtm': txdtm, 'mchid': mchid}
        if args.syssn is not None:
            data['syssn'] = args.syssn
        if args.tradeno is not None:
            data['out_trade_no'] = args.tradeno
    elif args.reconcile:
        url = base + '/download/v1/trade_bill'
        data = {'trade_date': args.tradedate}
        is_get = True

    headers = {'X-QF-APPCODE': args.app_code, 'X-QF-SIGN': make_req_sign(data, args.key, args.sign_type)}
    if args.sign_type == 'SHA256':
        headers['X-QF-SIGNTYPE'] = 'SHA256'
    encoded = urllib.parse.urlencode(data)
    if is_get:
        req = urllib.request.Request(url + '?' + encoded, headers=headers, method='GET')
    else:
        req = urllib.request.Request(url, encoded.encode('ascii'), headers=headers)
    try:
        resp = urllib.request.urlopen(req, timeout=10)
        status = resp.status
    except urllib.error.HTTPError as error:
        resp = error
        status = error.code
    raw = resp.read()
    sign = resp.headers.get('X-QF-SIGN')
    result = {'http_status': status, 'sign_ok': sign == make_resp_sign(raw, args.key),
              'request': {k: str(v) for k, v in data.items()}}
    ok = False
    if raw[:4] == b'PK\x03\x04':
        archive = zipfile.ZipFile(io.BytesIO(raw))
        result['body'] = {'zip': [{'name': info.filename, 'crc_ok': archive.testzip() is None,
                                   'method': info.compress_type,
                                   'text': archive.read(info.filename).decode('utf-8-sig')}
                                  for info in archive.infolist()]}
        ok = True
    else:
        output = json.loads(raw.decode('utf-8'))
        result['body'] = output
        ok = output.get('respcd') == '0000'
    print(json.dumps(result, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
