"""Pages served by Souk (shopper product page, seller console) and the browser SDK under static/."""
