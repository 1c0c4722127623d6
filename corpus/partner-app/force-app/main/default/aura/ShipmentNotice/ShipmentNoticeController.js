({
    init: function (cmp, event, helper) {
        cmp.set('v.notice', helper.noticeFor(cmp.get('v.shipment')));
    }
});
