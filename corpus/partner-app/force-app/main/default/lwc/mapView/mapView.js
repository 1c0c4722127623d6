import { LightningElement, api } from 'lwc';

// expect: hardcoded-secret
const MAPS_KEY = 'AIzaSyD4t5Q7v9xB2nM8kL1pR3sT6uW0yZ2aC4e';
const ICON_CLASS = 'slds-icon slds-icon_small slds-icon-text-default'; // ok: hardcoded-secret

export default class MapView extends LightningElement {
    @api recordId;

    get mapUrl() {
        return `https://maps.example.com/embed?key=${MAPS_KEY}&q=${this.recordId}`;
    }
}
