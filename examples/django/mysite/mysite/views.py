"""The example's pages: a home page, a plain hello (the benchmark's Django view), a form protected by
Django's CSRF middleware, and a file upload."""
import hashlib
import json
import os

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt


def home(request):
    return render(request, "home.html", {"pid": os.getpid()})


def hello(request):
    return HttpResponse("Hello, World!", content_type="text/plain")


def form(request):
    if request.method == "POST":
        return render(request, "thanks.html", {"name": request.POST.get("name", "")})
    return render(request, "form.html")


@csrf_exempt  # An API-style endpoint: curl -F file=@big.bin http://…/upload/
def upload(request):
    if request.method != "POST" or "file" not in request.FILES:
        return JsonResponse({"error": "POST a multipart form with a `file` field"}, status=400)
    digest = hashlib.sha256()
    size = 0
    for chunk in request.FILES["file"].chunks():
        digest.update(chunk)
        size += len(chunk)
    return HttpResponse(json.dumps({"size": size, "sha256": digest.hexdigest()}), content_type="application/json")
